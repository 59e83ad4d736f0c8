"""`wms-tui label --printer NAME` finds printers in the terminal's own config file."""

from click.testing import CliRunner

from wms_tui.cli import main


def test_printer_from_the_terminal_config_prints_into_its_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("WMS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("WMS_PRINTERS_CONFIG", raising=False)
    monkeypatch.delenv("WMS_PRINT_QUEUE", raising=False)
    spool = tmp_path / "spool"
    spool.mkdir()
    config_path = tmp_path / "config.toml"
    config_path.write_text(f'[printers.archive]\nkind = "file"\ntarget = "{spool}/"\nformat = "zpl"\n')
    result = CliRunner().invoke(
        main, ["--config", str(config_path), "label", "container", "--sscc", "376104250021234569", "--printer", "archive"]
    )
    assert result.exit_code == 0, result.output
    printed = list(spool.iterdir())
    assert len(printed) == 1
    assert b"^XA" in printed[0].read_bytes() and b"376104250021234569" in printed[0].read_bytes()
    assert (tmp_path / "data" / "print-queue.sqlite3").exists()


def test_unknown_printer_lists_what_the_config_has(tmp_path, monkeypatch):
    monkeypatch.setenv("WMS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("WMS_PRINTERS_CONFIG", raising=False)
    config_path = tmp_path / "config.toml"
    config_path.write_text(f'[printers.archive]\nkind = "file"\ntarget = "{tmp_path}/"\nformat = "pdf"\n')
    result = CliRunner().invoke(
        main, ["--config", str(config_path), "label", "container", "--sscc", "376104250021234569", "--printer", "dock9"]
    )
    assert result.exit_code != 0
    assert "unknown printer 'dock9'; configured: archive" in result.output
