"""Keyboard layouts for decoding HID keyboard-wedge scanners (Linux key codes).

The scanner must be set to the same layout as configured here: it "types" the
barcode by pressing the keys that produce each character on that layout.
"""

from __future__ import annotations

from dataclasses import dataclass

from evdev import ecodes


@dataclass(frozen=True, slots=True)
class Keymap:
    name: str
    plain: dict[int, str]
    shift: dict[int, str]
    altgr: dict[int, str]

    def char(self, code: int, shift: bool, altgr: bool) -> str | None:
        if altgr:
            return self.altgr.get(code)
        if shift:
            return self.shift.get(code)
        return self.plain.get(code)


def _rows(rows: list[tuple[str, str, str]]) -> tuple[dict[int, str], dict[int, str]]:
    plain: dict[int, str] = {}
    shift: dict[int, str] = {}
    for keys, normal, shifted in rows:
        codes = [ecodes.ecodes[f"KEY_{name}"] for name in keys.split()]
        if not len(codes) == len(normal) == len(shifted):
            raise AssertionError(f"keymap row length mismatch: {keys}")
        plain.update(zip(codes, normal, strict=True))
        shift.update(zip(codes, shifted, strict=True))
    return plain, shift


_DIGITS = "1 2 3 4 5 6 7 8 9 0"
_TOP = "Q W E R T Y U I O P"
_HOME = "A S D F G H J K L"
_BOTTOM = "Z X C V B N M"
# Keypad keys type the same on every layout (num lock on, as scanners assume).
_KEYPAD = [
    ("KP0 KP1 KP2 KP3 KP4 KP5 KP6 KP7 KP8 KP9", "0123456789", "0123456789"),
    ("KPMINUS KPPLUS KPASTERISK KPSLASH KPDOT", "-+*/.", "-+*/."),
]

_US = _rows(
    [
        (f"{_DIGITS} MINUS EQUAL", "1234567890-=", "!@#$%^&*()_+"),
        (f"{_TOP} LEFTBRACE RIGHTBRACE", "qwertyuiop[]", "QWERTYUIOP{}"),
        (f"{_HOME} SEMICOLON APOSTROPHE GRAVE BACKSLASH", "asdfghjkl;'`\\", 'ASDFGHJKL:"~|'),
        (f"{_BOTTOM} COMMA DOT SLASH SPACE", "zxcvbnm,./ ", "ZXCVBNM<>? "),
        *_KEYPAD,
    ]
)
_DE = _rows(
    [
        (f"{_DIGITS} MINUS EQUAL", "1234567890ß´", '!"§$%&/()=?`'),
        (f"{_TOP} LEFTBRACE RIGHTBRACE", "qwertzuiopü+", "QWERTZUIOPÜ*"),
        (f"{_HOME} SEMICOLON APOSTROPHE GRAVE BACKSLASH", "asdfghjklöä^#", "ASDFGHJKLÖÄ°'"),
        (f"{_BOTTOM} COMMA DOT SLASH SPACE 102ND", "yxcvbnm,.- <", "YXCVBNM;:_ >"),
        *_KEYPAD,
    ]
)
_DE_ALTGR = {
    ecodes.KEY_Q: "@",
    ecodes.KEY_E: "€",
    ecodes.KEY_2: "²",
    ecodes.KEY_3: "³",
    ecodes.KEY_7: "{",
    ecodes.KEY_8: "[",
    ecodes.KEY_9: "]",
    ecodes.KEY_0: "}",
    ecodes.KEY_MINUS: "\\",
    ecodes.KEY_RIGHTBRACE: "~",
    ecodes.KEY_M: "µ",
    ecodes.KEY_102ND: "|",
}

LAYOUTS: dict[str, Keymap] = {
    "us": Keymap("us", *_US, altgr={}),
    "de": Keymap("de", *_DE, altgr=_DE_ALTGR),
}

# Ctrl+key gives an ASCII control character from the key's *position* (the
# US character there), as the Linux console keymaps do: Ctrl+] is GS (29) on
# the German layout too, where that key is labelled '+'.
_US_PLAIN = _US[0]
_CONTROL_BASE = "@abcdefghijklmnopqrstuvwxyz[\\]^_"


def control_char(keymap: Keymap, code: int) -> str | None:
    letter = keymap.plain.get(code, "")
    base = letter if letter.isascii() and letter.isalpha() else _US_PLAIN.get(code, "")
    if base and base in _CONTROL_BASE:
        return chr(_CONTROL_BASE.index(base))
    return None
