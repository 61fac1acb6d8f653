"""Pure parsers for the fields of a submission (CONTRACT §2); each raises ParseError on bad input."""
