"""Exception types shared by every neurodyn family."""


class NeurodynError(Exception):
    """Base class of neurodyn's own errors."""


class SimulationError(NeurodynError, RuntimeError):
    """A simulation produced non-finite values or otherwise diverged.

    The message names the model, the variable and the time step at which the
    problem was first detected.
    """


class FormatError(NeurodynError, ValueError):
    """A file is not a neurodyn save file, is corrupt, or holds another kind of object."""


class NotFittedError(NeurodynError, ValueError, AttributeError):
    """A model was asked to predict before it was fitted."""
