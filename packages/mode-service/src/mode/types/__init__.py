"""Abstract types (ABCs) of mode's services, signals and supervisors.

Import these to type against the interfaces rather than the implementations:
``def run(service: ServiceT) -> None``.
"""

from .services import DiagT as DiagT
from .services import ServiceT as ServiceT
from .signals import BaseSignalT as BaseSignalT
from .signals import SignalHandlerT as SignalHandlerT
from .signals import SignalT as SignalT
from .signals import SyncSignalT as SyncSignalT
from .supervisors import SupervisorStrategyT as SupervisorStrategyT

__all__ = [
    "BaseSignalT",
    "DiagT",
    "ServiceT",
    "SignalHandlerT",
    "SignalT",
    "SupervisorStrategyT",
    "SyncSignalT",
]
