"""Abstract values: what an expression may be, as far as reading the code can tell.

A value is a small powerset lattice: the modules, functions or builtins it may be (by their real dotted
name), the constants it may hold, the calls and tricks it was computed from, and the package's own
functions it may be. Joining two values unions each part, with bounds so that analysis always ends.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import lzma
import zlib
from dataclasses import dataclass

Const = str | bytes | int | tuple
MAX_CONSTS = 8  # alternatives kept per value; more become "unknown"
MAX_REFS = 8
MAX_TEXT = 1 << 20  # constants longer than this are not folded further (bounded memory on hostile files)
MAX_INFLATE = 4 << 20

# Markers kept among a value's origins (the other origins are dotted call names).
DECODED_LITERAL = "<decoded literal>"  # data decoded from text written in the code itself
CHR_CODES = "<chr codes>"  # text spelled out as character codes
REVERSED = "[::-1]"  # text written backwards
COMPUTED_NAME = "<computed name>"  # a name (attribute, module, builtin) assembled at run time
TEXT = "<text>"  # text written in the code contributed to the value
ASSEMBLED = "<assembled>"  # text put together at run time (joined, formatted, sliced, decoded)
LITERAL_MARKERS = frozenset({CHR_CODES, REVERSED})  # their input is in the code itself


@dataclass(frozen=True, slots=True)
class Value:
    """What an expression may evaluate to."""

    refs: frozenset[str] = frozenset()  # modules, functions, builtins, by dotted name ("os.system", "exec")
    consts: frozenset[Const] = frozenset()  # the constants it may be, when all of them are known
    origins: frozenset[str] = frozenset()  # calls it was computed from, and markers (DECODED_LITERAL...)
    funcs: frozenset[str] = frozenset()  # the package's own functions, lambdas or classes it may be
    method: str | None = None  # operator.methodcaller("name"): calling it calls .name on its argument
    opaque: bool = False  # it may also be a constant not listed (computed from something unknown)

    def join(self, other: Value) -> Value:
        if other is EMPTY or other == self:
            return self
        if self is EMPTY:
            return other
        refs = self.refs | other.refs
        consts = self.consts | other.consts
        opaque = self.opaque or other.opaque or len(consts) > MAX_CONSTS
        return Value(
            refs if len(refs) <= MAX_REFS else frozenset(sorted(refs)[:MAX_REFS]),
            frozenset() if opaque else consts,
            self.origins | other.origins,
            self.funcs | other.funcs,
            self.method or other.method,
            opaque,
        )

    @property
    def text(self) -> str | bytes | None:
        """The single text constant this value is, if it is exactly one."""
        if len(self.consts) == 1 and not self.opaque:
            (only,) = self.consts
            return only if isinstance(only, (str, bytes)) else None
        return None

    @property
    def texts(self) -> list[str]:
        """Every text constant it may be, bytes read leniently."""
        return [c.decode("latin-1") if isinstance(c, bytes) else c for c in self.consts if isinstance(c, (str, bytes))]

    @property
    def texts_deep(self) -> list[str]:
        """Every text it may be or hold (a command line given as a list), bytes read leniently."""
        found: list[str] = []
        for item in self.consts:
            for part in (item if isinstance(item, tuple) else (item,)):
                if isinstance(part, (str, bytes)):
                    found.append(part.decode("latin-1") if isinstance(part, bytes) else part)
        return found

    @property
    def has_text(self) -> bool:
        """Text written in the code went into it (a literal, or pieces joined)."""
        return TEXT in self.origins or any(isinstance(c, (str, bytes)) for c in self.consts)

    def with_origins(self, *extra: str) -> Value:
        return Value(self.refs, self.consts, self.origins | frozenset(extra), self.funcs, self.method, self.opaque)


EMPTY = Value()
UNKNOWN = Value(opaque=True)


_TEXT_ORIGIN = frozenset({TEXT})
_SMALL_CONSTS: dict[tuple[type, object], Value] = {}  # short constants recur (keys, names, 0, 1): made once
MAX_SMALL_CONSTS = 1 << 16


def const(value: object) -> Value:
    """The value of a constant written in the code."""
    kind = value.__class__
    if kind is bool or value is None:
        return EMPTY
    small = kind in (str, int) and (kind is int or len(value) <= 64)  # type: ignore[arg-type]
    if small:
        found = _SMALL_CONSTS.get((kind, value))
        if found is not None:
            return found
    if isinstance(value, (str, bytes)):
        made = Value(consts=frozenset({value}), origins=_TEXT_ORIGIN) if len(value) <= MAX_TEXT else Value(origins=_TEXT_ORIGIN, opaque=True)
    elif isinstance(value, int):
        made = Value(consts=frozenset({value}))
    else:
        return UNKNOWN
    if small and len(_SMALL_CONSTS) < MAX_SMALL_CONSTS:
        _SMALL_CONSTS[kind, value] = made
    return made


def ref(name: str, *origins: str) -> Value:
    return Value(refs=frozenset({name}), origins=frozenset(origins))


def combine(values: list[Value], fold, *markers: str) -> Value:
    """The value computed from `values` by `fold` (a function of their constants), origins carried along."""
    origins = frozenset().union(*(v.origins for v in values)) | frozenset(markers)
    funcs = frozenset().union(*(v.funcs for v in values))
    if any(not v.consts and not v.opaque and not v.refs and not v.funcs for v in values):
        return Value(origins=origins, funcs=funcs)  # an input not known yet (a later pass may know it): nothing yet
    if values and all(v.consts and not v.opaque for v in values):
        results: set[Const] = set()
        for combo in _products([sorted(v.consts, key=repr) for v in values]):
            try:
                out = fold(*combo)
            except Exception:  # noqa: BLE001 - folding runs str/bytes operations on the file's own constants: any error means "not foldable"
                continue
            if isinstance(out, (str, bytes)) and len(out) > MAX_TEXT:
                continue
            if isinstance(out, (str, bytes, int, tuple)) and not isinstance(out, bool):
                results.add(out)
        if results and len(results) <= MAX_CONSTS:
            return Value(consts=frozenset(results), origins=origins, funcs=funcs)
    return Value(origins=origins, funcs=funcs, opaque=True)


def _products(choices: list[list[Const]]) -> list[tuple[Const, ...]]:
    combos: list[tuple[Const, ...]] = [()]
    for options in choices:
        combos = [(*c, o) for c in combos for o in options][: MAX_CONSTS * 2]
    return combos


def _bytes(data: Const) -> bytes:
    if isinstance(data, str):
        return data.encode("latin-1", "ignore")
    if isinstance(data, bytes):
        return data
    raise TypeError("not text")


def _b64(data: Const) -> bytes:
    raw = _bytes(data)
    return base64.b64decode(raw + b"=" * (-len(raw) % 4))


def _urlsafe_b64(data: Const) -> bytes:
    raw = _bytes(data)
    return base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))


def _inflate(data: Const, unpack) -> bytes:
    out = unpack(_bytes(data))
    if len(out) > MAX_INFLATE:
        raise ValueError("too large")
    return out


def _zlib(data: Const) -> bytes:
    return _inflate(data, lambda raw: zlib.decompressobj(47).decompress(raw, MAX_INFLATE + 1))


def _lzma(data: Const) -> bytes:
    return _inflate(data, lambda raw: lzma.LZMADecompressor().decompress(raw, MAX_INFLATE + 1))


def _codecs_decode(data: Const, encoding: Const = "utf-8") -> Const:
    if not isinstance(encoding, str):
        raise TypeError("encoding")
    name = encoding.lower().replace("-", "_")
    if name in ("rot13", "rot_13"):
        return codecs.decode(data if isinstance(data, str) else data.decode("latin-1"), "rot13")
    if name in ("hex", "hex_codec"):
        return binascii.unhexlify(_bytes(data))
    if name in ("base64", "base_64", "base64_codec"):
        return _b64(data)
    if name in ("zlib", "zlib_codec", "zip"):
        return _zlib(data)
    if isinstance(data, bytes):
        return data.decode(encoding, "replace")
    raise ValueError("unsupported")


# Decoders whose result can be computed from a constant input: dotted name -> fold.
DECODE_FOLDS = {
    "base64.b64decode": _b64, "base64.decodebytes": _b64, "base64.standard_b64decode": _b64,
    "base64.decodestring": _b64, "binascii.a2b_base64": _b64, "base64.urlsafe_b64decode": _urlsafe_b64,
    "base64.b32decode": lambda d: base64.b32decode(_bytes(d)), "base64.b16decode": lambda d: base64.b16decode(_bytes(d)),
    "base64.b85decode": lambda d: base64.b85decode(_bytes(d)), "base64.a85decode": lambda d: base64.a85decode(_bytes(d)),
    "binascii.unhexlify": lambda d: binascii.unhexlify(_bytes(d)), "binascii.a2b_hex": lambda d: binascii.unhexlify(_bytes(d)),
    "bytes.fromhex": lambda d: bytes.fromhex(d if isinstance(d, str) else d.decode()),
    "bytearray.fromhex": lambda d: bytes.fromhex(d if isinstance(d, str) else d.decode()),
    "zlib.decompress": _zlib, "gzip.decompress": _zlib, "lzma.decompress": _lzma, "bz2.decompress":
        lambda d: _inflate(d, lambda raw: __import__("bz2").BZ2Decompressor().decompress(raw, MAX_INFLATE + 1)),
    "codecs.decode": _codecs_decode,
}
# Names (their last part) of calls that turn opaque data back into code or text, folded or not.
DECODER_LAST = frozenset({
    "b64decode", "b32decode", "b16decode", "b85decode", "a85decode", "decodebytes", "decodestring",
    "standard_b64decode", "urlsafe_b64decode", "unhexlify", "a2b_base64", "a2b_hex", "fromhex",
    "decompress", "decrypt", "rot13",
})
DECODER_CALLS = frozenset({"marshal.loads", "pickle.loads", "codecs.decode", "zlib.decompress"})


def is_decoder(name: str) -> bool:
    return name in DECODER_CALLS or name.rsplit(".", 1)[-1] in DECODER_LAST


# str and bytes methods folded on constants: name -> fold(receiver, *args).
STR_METHODS = {
    "replace": lambda s, a, b, *n: s.replace(a, b, *n),
    # a table from str.maketrans is kept as its sorted (code, code) pairs: a constant, where a dict is not
    "translate": lambda s, table, *d: s.translate(dict(table) if isinstance(table, tuple) else table, *d),
    "lower": lambda s: s.lower(), "upper": lambda s: s.upper(), "strip": lambda s, *c: s.strip(*c),
    "lstrip": lambda s, *c: s.lstrip(*c), "rstrip": lambda s, *c: s.rstrip(*c), "title": lambda s: s.title(),
    "swapcase": lambda s: s.swapcase(), "capitalize": lambda s: s.capitalize(),
    "decode": lambda s, *e: s.decode(*e) if isinstance(s, bytes) else s,
    "encode": lambda s, *e: s.encode(*e) if isinstance(s, str) else s,
    "format": lambda s, *a: s.format(*a), "zfill": lambda s, n: s.zfill(n),
    "removeprefix": lambda s, p: s.removeprefix(p), "removesuffix": lambda s, p: s.removesuffix(p),
    "center": lambda s, *a: s.center(*a),
}
