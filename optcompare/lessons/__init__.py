"""Ready classroom lessons: a claim, an experiment that tests it, and a page of findings.

Each lesson module defines ``LESSON`` (a :class:`~optcompare.lessons.base.Lesson`);
this package registers them in teaching order.  ``optcompare lesson`` lists
them and ``optcompare lesson NAME`` runs one and writes its folder.
"""

from __future__ import annotations

from optcompare.lessons import (
    adagrad_decay,
    adam_nonconvergence,
    exploding_gradients,
    feature_scaling,
    gradient_scale,
    noisy_gradients,
    non_stationary,
    ravine,
    rmsprop_variants,
    rprop_minibatch,
    saddle,
    small_network,
    variance_reduction,
)
from optcompare.lessons.base import Lesson, LessonResult
from optcompare.registry import Registry

__all__ = ["LESSONS", "Lesson", "LessonResult", "get_lesson", "lesson_names"]

LESSONS: Registry[Lesson] = Registry("lesson")

for _module in (
    ravine,
    adagrad_decay,
    rprop_minibatch,
    adam_nonconvergence,
    noisy_gradients,
    saddle,
    gradient_scale,
    rmsprop_variants,
    variance_reduction,
    small_network,
    feature_scaling,
    non_stationary,
    exploding_gradients,
):
    LESSONS.register(_module.LESSON.name, _module.LESSON)


def lesson_names() -> list[str]:
    """The lesson names in teaching order."""
    return LESSONS.names()


def get_lesson(name: str) -> Lesson:
    """The lesson called ``name``; a SpecError names the closest ones otherwise."""
    return LESSONS.get(name)
