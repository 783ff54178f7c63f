"""What a loader tells the user: problems with a place in the file, and unreadable files."""

from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file, placed where a spreadsheet user would look for it.

    `row` is the row number as the spreadsheet program shows it (1-based, header rows
    counted); `column` is the column's header as written in the file. An error rejects the
    row; a warning keeps the row and flags the field.
    """

    message: str
    severity: str = ERROR
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""

    def place(self) -> str:
        parts = [self.file] if self.file else []
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        place = self.place()
        return f"{place}: {self.message}" if place else self.message

    def as_dict(self) -> dict:
        return asdict(self)


class UnreadableFile(Exception):
    """The whole file cannot be imported: not a spreadsheet, empty, protected, no header."""

    def __init__(self, file: str, message: str):
        super().__init__(f"{file}: {message}" if file else message)
        self.file = file
        self.message = message
