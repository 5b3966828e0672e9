"""The `set_variable` expression language: small, safe, and never Python's `eval`.

Numbers, strings in single or double quotes, `{{var}}` references (dotted paths; a missing variable
is None), `+ - * /`, unary minus, parentheses and the comparisons `== != > < >= <=`. `+` adds when
both sides are numeric and joins text otherwise; the other arithmetic needs numbers. A hand-written
tokenizer feeds a recursive-descent parser that evaluates as it goes; every failure (syntax, types,
division by zero, a number out of range, a too-long or too-deep expression, a text result past
`MAX_TEXT`) is an `ExpressionError`, so a bad expression is a recorded node failure, never a crash
of `decide`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pytake_shared.engine.template import as_text, lookup
from pytake_shared.engine.values import Number, as_number, compare, in_range, tidy

MAX_LENGTH = 2000
MAX_DEPTH = 50
MAX_TEXT = 65_536  # a result joined from text; a loop doubling a variable stops here

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>\d+(?:\.\d+)?)
    | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    | \{\{\s*(?P<var>[^{}]+?)\s*\}\}
    | (?P<op>==|!=|>=|<=|[-+*/()<>])
    )""",
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_COMPARISONS: dict[str, Callable[[int], bool]] = {
    "==": lambda c: c == 0,
    "!=": lambda c: c != 0,
    ">": lambda c: c > 0,
    "<": lambda c: c < 0,
    ">=": lambda c: c >= 0,
    "<=": lambda c: c <= 0,
}


class ExpressionError(ValueError):
    """An expression that cannot be evaluated; the message says where and why."""


def tokenize(source: str) -> list[tuple[str, str]]:
    """(kind, text) pairs: kind is number, string, var or op; ends with ("end", "")."""
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None or match.end() == position:
            if not source[position:].strip():
                break
            raise ExpressionError(f"unexpected {source[position:].strip()[:10]!r} at {position}")
        kind = match.lastgroup or ""
        text = match.group(kind)
        if kind == "string":
            text = _ESCAPE.sub(r"\1", text[1:-1])
        tokens.append((kind, text))
        position = match.end()
    tokens.append(("end", ""))
    return tokens


def evaluate(source: str, variables: dict[str, Any]) -> Any:
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"longer than {MAX_LENGTH} characters")
    if not source.strip():
        raise ExpressionError("empty expression")
    return _Parser(tokenize(source), variables).parse()


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], variables: dict[str, Any]) -> None:
        self._tokens = tokens
        self._at = 0
        self._depth = 0
        self._variables = variables

    def parse(self) -> Any:
        value = self._comparison()
        kind, text = self._tokens[self._at]
        if kind != "end":
            raise ExpressionError(f"unexpected {text!r}")
        return value

    def _peek(self) -> str:
        kind, text = self._tokens[self._at]
        return text if kind == "op" else ""

    def _take(self) -> tuple[str, str]:
        token = self._tokens[self._at]
        if token[0] != "end":
            self._at += 1
        return token

    def _comparison(self) -> Any:
        left = self._additive()
        while self._peek() in _COMPARISONS:
            test = _COMPARISONS[self._take()[1]]
            left = test(compare(left, self._additive()))
        return left

    def _additive(self) -> Any:
        left = self._multiplicative()
        while self._peek() in ("+", "-"):
            op = self._take()[1]
            right = self._multiplicative()
            a, b = as_number(left), as_number(right)
            if op == "+" and (a is None or b is None):
                left = as_text(left) + as_text(right)
                if len(left) > MAX_TEXT:
                    raise ExpressionError(f"text longer than {MAX_TEXT} characters")
            else:
                x, y = _numbers(op, left, right)
                left = _checked(x + y if op == "+" else x - y)
        return left

    def _multiplicative(self) -> Any:
        left = self._unary()
        while self._peek() in ("*", "/"):
            op = self._take()[1]
            x, y = _numbers(op, left, self._unary())
            if op == "/" and y == 0:
                raise ExpressionError("division by zero")
            left = _checked(x * y if op == "*" else x / y)
        return left

    def _unary(self) -> Any:
        if self._peek() in ("-", "+"):
            op = self._take()[1]
            with _Deeper(self):
                value = self._unary()
            number = as_number(value)
            if number is None:
                raise ExpressionError(f"cannot negate {value!r}")
            return -number if op == "-" else number
        return self._primary()

    def _primary(self) -> Any:
        kind, text = self._take()
        if kind == "number":
            if len(text) > 40:
                raise ExpressionError("number out of range")
            return _checked(float(text) if "." in text else int(text))
        if kind == "string":
            return text
        if kind == "var":
            return lookup(self._variables, text)
        if text == "(":
            with _Deeper(self):
                value = self._comparison()
            if self._take() != ("op", ")"):
                raise ExpressionError("missing ')'")
            return value
        raise ExpressionError(f"unexpected {text!r}" if text else "unexpected end")


class _Deeper:
    """Bounds nesting, so a hostile `((((...` is an error rather than a RecursionError."""

    def __init__(self, parser: _Parser) -> None:
        self._parser = parser

    def __enter__(self) -> None:
        self._parser._depth += 1
        if self._parser._depth > MAX_DEPTH:
            raise ExpressionError(f"nested deeper than {MAX_DEPTH}")

    def __exit__(self, *_: object) -> None:
        self._parser._depth -= 1


def _numbers(op: str, left: Any, right: Any) -> tuple[Number, Number]:
    a, b = as_number(left), as_number(right)
    if a is None or b is None:
        raise ExpressionError(f"{op} needs numbers, got {left!r} and {right!r}")
    return a, b


def _checked(value: Number) -> Number:
    if not in_range(value):
        raise ExpressionError("number out of range")
    return tidy(value)
