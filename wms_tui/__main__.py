from wms_tui.cli import main

main()
