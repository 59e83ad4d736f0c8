from pathlib import Path

import pytest

from wms_tui import config
from wms_tui.domain.errors import ConfigError

ROOT = Path(__file__).parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_example_config_is_valid_and_documents_every_core_key(monkeypatch, tmp_path):
    monkeypatch.setenv("WMS_DATA_DIR", str(tmp_path))
    settings = config.load(ROOT / "config.example.toml")
    assert settings.terminal.id == "T1"
    assert settings.database.url == f"sqlite:///{tmp_path / 'wms.db'}"
    example = (ROOT / "config.example.toml").read_text()
    for key in ("url", "id", "warehouse", "batch_size", "interval_s"):
        assert f"\n{key} = " in example


def test_precedence_explicit_then_env_then_user_dir(monkeypatch, tmp_path):
    explicit = write(tmp_path, '[terminal]\nid = "EXPLICIT"\n')
    from_env = tmp_path / "env.toml"
    from_env.write_text('[terminal]\nid = "ENV"\n')
    user_dir = tmp_path / "user"
    user_dir.mkdir()
    (user_dir / "config.toml").write_text('[terminal]\nid = "USER"\n')
    monkeypatch.setattr(config, "default_config_path", lambda: user_dir / "config.toml")
    monkeypatch.setenv("WMS_CONFIG", str(from_env))
    assert config.load(explicit).terminal.id == "EXPLICIT"
    assert config.load().terminal.id == "ENV"
    monkeypatch.delenv("WMS_CONFIG")
    assert config.load().terminal.id == "USER"
    (user_dir / "config.toml").unlink()
    assert config.load().terminal.id == "T1"  # defaults


@pytest.mark.parametrize(
    "text, message",
    [
        ("[terminal\nid = 1", "not valid TOML"),
        ('[terminal]\nid = 42\n', r"\[terminal\] id: expected str, got int 42"),
        ('[terminal]\nid = "has space"\n', r"\[terminal\] id: 'has space' must be 1-40 letters"),
        ('[terminal]\nname = "x"\n', r"\[terminal\] unknown setting\(s\): name"),
        ('[databse]\nurl = ""\n', r"unknown section\(s\): databse"),
        ('[database]\nurl = "mysql://x"\n', r"\[database\] url: 'mysql://x' must start with"),
        ('[central]\nbatch_size = 0\n', r"\[central\] batch_size: must be between 1 and 20000, got 0"),
        ('[central]\nbatch_size = 1.9\n', r"\[central\] batch_size: expected int, got float 1.9"),
        ('[central]\ninterval_s = true\n', r"\[central\] interval_s: expected .*got a boolean"),
        ('printers = 3\n', r"\[printers\] must hold one table per printer"),
        ('[scanner]\ndriver = "serial"\n', r"scanner: driver is 'serial' but there is no \[scanner.serial\] section"),
        ('[scanner]\ndriver = "wedge"\nduplicate_window_ms = -5\n', r"duplicate_window_ms must be >= 0"),
        ('[printers.dock1]\nkind = "fax"\ntarget = "x"\n', r"printers\.dock1"),
        ('[sscc]\ncompany_prefix = 5703538\nextension_digit = 3\n', r"sscc.company_prefix: expected a string of 6-12 digits"),
        ('[sscc]\ncompany_prefix = "5703538"\nextension_digit = 3\n[sscc.terminals.T9]\nstart = 1\nend = 9\n',
         r"sscc.terminals.T1: no SSCC range configured for this terminal"),
        ('[ui]\ncolour = "red"\n', r"\[ui\] unknown setting\(s\): colour"),
        ('[ui.keys]\nundo = "f4"\n', r"\[ui.keys\] unknown binding\(s\): undo \(known: f1, "),
        ('[ui.keys]\nf4 = "banana"\n', r"\[ui.keys\] f4: 'banana': not a key name"),
        ('[ui.keys]\nf4 = "ctrl+shfit+z"\n', r"\[ui.keys\] f4: 'ctrl\+shfit\+z': modifiers are ctrl, alt"),
        ('[ui.keys]\nf4 = "u"\n', r"\[ui.keys\] f4: 'u': the scan input needs this key"),
        ('[ui.keys]\nf10 = "enter"\n', r"\[ui.keys\] f10: 'enter': the scan input needs this key"),
        ('[ui.keys]\nf4 = 4\n', r"\[ui.keys\] f4: expected keys like"),
        ('[ui.keys]\nf4 = "f5"\n', r"\[ui.keys\] 'f5' is bound to both f4 and f5"),
    ],
)
def test_bad_file_is_refused_naming_key_and_problem(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as error:
        config.load(path)
    assert str(path) in str(error.value)


def test_missing_explicit_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        config.load(tmp_path / "nope.toml")


def test_unreadable_bytes_are_reported(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="cannot be read|not valid TOML"):
        config.load(path)


def test_ui_keys_remap_bindings_by_id():
    settings = config.parse({"ui": {"keys": {"f4": "F4, ctrl+z", "f5": "f6", "f6": "alt+6", "quit": "ctrl+x"}}})
    assert settings.ui.keys == {"f4": "f4,ctrl+z", "f5": "f6", "f6": "alt+6", "quit": "ctrl+x"}
    keymap = settings.ui.keymap()
    assert keymap["f1"] == "f1" and keymap["f5"] == "f6" and keymap["clear"] == "escape"
    assert config.parse({}).ui.keymap() == config.UI_KEYS


def test_named_keys_are_textual_key_names():
    from textual.keys import Keys

    assert config.NAMED_KEYS <= {key.value for key in Keys}
