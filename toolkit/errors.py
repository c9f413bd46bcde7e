"""One exception hierarchy, rendered once at the CLI edge as `error: ...` plus an optional `hint: ...`."""

from __future__ import annotations


class ToolkitError(Exception):
    """A failure the user can act on. `exit_code` 1: an operation failed."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def lines(self) -> list[str]:
        """The problems to print, one `error:` line each."""
        return [self.message]

    def __reduce__(self) -> tuple[object, ...]:
        # Errors cross process boundaries (site renders run on every core); the default pickling
        # would call __init__ with only the message and lose or break the other fields.
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(cls: type[ToolkitError], args: tuple[object, ...], state: dict[str, object]) -> ToolkitError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class UsageError(ToolkitError):
    """Bad input: a value, a file or an option the user gave. Exit code 2."""

    exit_code = 2


class ValidationError(UsageError):
    """A value failed validation. `field` names what was being checked."""

    def __init__(self, field: str, message: str, hint: str | None = None) -> None:
        super().__init__(f"{field}: {message}", hint)
        self.field = field
        self.reason = message


class GeneratedFileError(ToolkitError):
    """Something we generated was rejected by the program that will read it: a bug of ours."""
