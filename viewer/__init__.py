"""Embassy Crisis Atlas: a map-and-timeline viewer for the 2019-2020 Baghdad embassy crisis."""

__all__ = ["APP_NAME", "__version__"]

APP_NAME = "Embassy Crisis Atlas"
__version__ = "0.1.0"
