"""The one error type every parser raises."""


class ParseError(ValueError):
    """A value that cannot be accepted: ``rule`` names the reason, ``expected`` says in plain words
    what would have been accepted, so a reader can build the rejection with its location."""

    def __init__(self, rule: str, expected: str):
        super().__init__(f"{rule}: expected {expected}")
        self.rule = rule
        self.expected = expected
