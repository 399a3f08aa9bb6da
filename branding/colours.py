"""Readable brand colours: WCAG 2.x contrast ratios against where the portal uses them.

portal.css puts white text on the primary colour (buttons), the primary colour as link text
on white (cards, the top bar), and the accent colour as a bar beside messages on white. Text
needs 4.5:1 (WCAG AA, 1.4.3); a bar that carries meaning 3:1 (1.4.11).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

WHITE = "#ffffff"
TEXT_MINIMUM = 4.5
GRAPHIC_MINIMUM = 3.0


@dataclass(frozen=True)
class Pairing:
    """One way the portal shows a brand colour: against ``other``, needing ``minimum``."""

    field: str
    other: str
    minimum: float
    usage: str  # reads "{colour} {usage} has a contrast ratio of ..."
    needs: str  # "{needs} at least {minimum}:1"


PAIRINGS = [
    Pairing(
        "primary_colour", WHITE, TEXT_MINIMUM, "against white (button text, links)", "Text needs"
    ),
    Pairing(
        "accent_colour", WHITE, GRAPHIC_MINIMUM, "against white (highlights)", "Highlights need"
    ),
]


def _channel(value: int) -> float:
    srgb = value / 255
    return srgb / 12.92 if srgb <= 0.04045 else ((srgb + 0.055) / 1.055) ** 2.4


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[index : index + 2], 16) for index in (1, 3, 5))


def relative_luminance(colour: str) -> float:
    red, green, blue = (_channel(value) for value in _rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted([relative_luminance(first), relative_luminance(second)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _darker(colour: str, factor: float) -> str:
    return "#" + "".join(f"{round(value * factor):02x}" for value in _rgb(colour))


def passing_shade(colour: str, pairing: Pairing) -> str:
    """The lightest darker shade of ``colour`` that meets ``pairing`` (same hue)."""
    factor = 1.0
    shade = colour
    while factor > 0 and contrast_ratio(shade, pairing.other) < pairing.minimum:
        factor -= 0.02
        shade = _darker(colour, max(factor, 0))
    return shade


@dataclass(frozen=True)
class ContrastCheck:
    pairing: Pairing
    colour: str
    ratio: float

    @property
    def passes(self) -> bool:
        return self.ratio >= self.pairing.minimum

    @property
    def message(self) -> str:
        ratio = f"{self._floor(self.ratio)}:1"
        text = (
            f"{self.colour} {self.pairing.usage} has a contrast ratio of {ratio}. "
            f"{self.pairing.needs} at least {self.pairing.minimum:g}:1 (WCAG AA)."
        )
        if self.passes:
            return text
        return f"{text} Try a darker shade such as {passing_shade(self.colour, self.pairing)}."

    @staticmethod
    def _floor(ratio: float) -> str:
        # Shown rounded down, so a colour at 4.47:1 never reads as a passing "4.5:1".
        return f"{int(ratio * 100) / 100:.2f}".rstrip("0").rstrip(".")


def contrast_checks(colours: dict[str, str]) -> list[ContrastCheck]:
    """Every pairing of the colours given (by field name) that are well-formed hex."""
    checks = []
    for pairing in PAIRINGS:
        colour = (colours.get(pairing.field) or "").lower()
        if len(colour) == 7 and colour.startswith("#"):
            try:
                checks.append(ContrastCheck(pairing, colour, contrast_ratio(colour, pairing.other)))
            except ValueError:
                continue  # not hex: the field's own validator says so
    return checks


def validate_contrast(colours: dict[str, str]) -> None:
    """Raise ValidationError({field: [messages]}) for each colour too faint where it is used."""
    errors: dict[str, list[str]] = {}
    for check in contrast_checks(colours):
        if not check.passes:
            errors.setdefault(check.pairing.field, []).append(check.message)
    if errors:
        raise ValidationError(errors)
