"""Suites: many GRADIENDs trained together (one per pair, one per class vs the rest, any set of trainers)."""

from gradiend.suites.base import TrainerSuite
from gradiend.suites.collection import TrainerCollection
from gradiend.suites.definitions import (
    PositiveFeatureDefinition,
    SuitePairDefinition,
    TransitionSpec,
    identity,
    pair,
)
from gradiend.suites.group import MemberGroup, SuiteTrainingError
from gradiend.suites.members import MemberResult
from gradiend.suites.positive import PositiveTrainerSuite
from gradiend.suites.symmetric import SymmetricTrainerSuite

__all__ = [
    "MemberGroup",
    "MemberResult",
    "PositiveFeatureDefinition",
    "PositiveTrainerSuite",
    "SuitePairDefinition",
    "SuiteTrainingError",
    "SymmetricTrainerSuite",
    "TrainerCollection",
    "TrainerSuite",
    "TransitionSpec",
    "identity",
    "pair",
]
