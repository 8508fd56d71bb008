"""Regular-expression pieces for Arrow's RE2 kernels that match as Python's ``re`` does.

RE2's ``\\s`` is ASCII only; Python's ``str.strip()`` and ``\\s`` take every character
for which ``str.isspace()`` holds.
"""

#: The characters of Python's ``str.isspace()``, as the inside of an RE2 class.
PYTHON_SPACE = (
    r"\s\x0b\x1c-\x1f\x{85}\x{a0}\x{1680}"
    r"\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
)
#: A string with space at either end, as ``value != value.strip()`` finds it.
SURROUNDING_SPACE = rf"^[{PYTHON_SPACE}]|[{PYTHON_SPACE}]$"
