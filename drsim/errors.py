"""The one exception base of drsim, whose messages a user can act on."""

from __future__ import annotations


class DrsimError(Exception):
    """Base of every error drsim raises on purpose.

    The CLI prints ``str(error)`` and exits with status 2; no traceback.
    """


class ScenarioError(DrsimError):
    """A scenario file (or a ``--set`` override) is not valid.

    Parameters
    ----------
    source : str
        The file name (or ``<string>``) the scenario came from.
    problems : list of str
        One line per problem, each naming the line where known, the field path
        and what is allowed.
    """

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = list(problems)
        if len(self.problems) == 1:
            text = self.problems[0]
        else:
            text = f"{source}: {len(self.problems)} problems\n" + "\n".join(
                f"  {p}" for p in self.problems
            )
        super().__init__(text)
