"""The engine without TensorFlow: placeholders for the TensorFlow modules Rasa imports at load.

Rasa 3.6 imports TensorFlow at module level on the way to anything the engine needs: a policy
imports its featurizers, which import the entity extractors, which import the training
utilities, which import Keras callbacks (`rasa.core.policies.policy` -> ... ->
`rasa.utils.tensorflow.callback`). None of the model's components (config.yml: spaCy, the
count-vector featurizers, a logistic regression, MemoizationPolicy and RulePolicy) runs any
TensorFlow code, yet importing it cost about 450 MB of the engine's 700 MB and a few seconds
of every start.

`install()` puts a finder first on `sys.meta_path` that answers every import of `tensorflow`,
`keras` and TensorFlow's add-on packages with a placeholder module. It is called by the
engine's own start (`python -m engine run ...`, engine/__main__.py) before Rasa is imported;
`rasa train`, `rasa data validate` and `make engine-unit` import the real TensorFlow as before.

A placeholder is inert where Rasa's modules use TensorFlow as they are defined: any attribute
is another placeholder, a class can subclass one, `@tf.function` and other decorators hand the
function back, type hints and `isinstance` work (nothing is ever an instance of one). What a
placeholder cannot do is compute: so `refuse_models_needing_it` checks the model's graph when
it loads and stops the start, with a message saying why, when a component comes from a module
that imported TensorFlow (DIETClassifier, TEDPolicy, ResponseSelector...), instead of letting
such a model fail on its first message.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Iterable, Sequence
from typing import Any

# The top-level packages answered with placeholders: TensorFlow, Keras, and the add-ons that
# Rasa's dense featurizers import (tensorflow_hub, tensorflow_text).
PACKAGES = frozenset(
    {
        "tensorflow",
        "keras",
        "tensorflow_addons",
        "tensorflow_hub",
        "tensorflow_text",
        "tensorflow_probability",
    }
)
MARK = "__getonline_placeholder__"


class TensorFlowIsNotLoaded(RuntimeError):
    """A model component needs TensorFlow, which this engine process does not load."""


def _named(name: str) -> str:
    return name.split(".", 1)[0]


class _PlaceholderType(type):
    """The metaclass of every placeholder: attributes and calls give more placeholders."""

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _placeholder(f"{cls.__qualname__}.{name}")

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        # `@tf.function` and `@register_keras_serializable()(...)`: a decorator gives back
        # what it decorates, so the methods Rasa defines stay plain functions.
        if len(args) == 1 and not kwargs and (callable(args[0]) or isinstance(args[0], type)):
            return args[0]
        return _placeholder(f"{cls.__qualname__}()")

    def __getitem__(cls, item: Any) -> Any:
        return _placeholder(f"{cls.__qualname__}[]")

    def __iter__(cls) -> Any:
        return iter(())

    def __len__(cls) -> int:  # thinc (spaCy) counts TensorFlow's GPUs as it loads: none
        return 0

    def __bool__(cls) -> bool:
        return False

    def __or__(cls, other: Any) -> Any:
        return _placeholder(f"{cls.__qualname__}|")

    __ror__ = __or__

    def __repr__(cls) -> str:
        return f"<TensorFlow placeholder {cls.__qualname__}>"


def _placeholder(qualname: str) -> type:
    made = _PlaceholderType(qualname.rsplit(".", 1)[-1], (), {MARK: True, "__module__": "tensorflow"})
    made.__qualname__ = qualname
    return made


class _PlaceholderModule(types.ModuleType):
    """`tensorflow`, `tensorflow.keras.layers`, `keras.utils`...: every attribute a placeholder."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        setattr(self, MARK, True)
        self.__path__: list[str] = []  # a package, so `import tensorflow.keras.backend` works
        self.__version__ = "0+placeholder"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        value = _placeholder(f"{self.__name__}.{name}")
        setattr(self, name, value)
        return value


class _Loader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return _PlaceholderModule(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        return None


class PlaceholderFinder(importlib.abc.MetaPathFinder):
    """Answers the imports of PACKAGES with placeholder modules."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if _named(fullname) not in PACKAGES:
            return None
        return importlib.machinery.ModuleSpec(fullname, _Loader(), is_package=True)


def installed() -> PlaceholderFinder | None:
    return next((finder for finder in sys.meta_path if isinstance(finder, PlaceholderFinder)), None)


def install() -> PlaceholderFinder:
    """Put the finder first; refuse if the real TensorFlow is already imported (too late)."""
    finder = installed()
    if finder is not None:
        return finder
    real = [name for name in loaded() if not is_placeholder(sys.modules[name])]
    if real:
        raise RuntimeError(
            f"TensorFlow is already imported ({real[0]}): install() must run before Rasa loads"
        )
    finder = PlaceholderFinder()
    sys.meta_path.insert(0, finder)
    return finder


def is_placeholder(module: Any) -> bool:
    return bool(getattr(module, MARK, False))


def loaded() -> list[str]:
    """The modules of PACKAGES in sys.modules, real or placeholders."""
    return sorted(name for name in list(sys.modules) if _named(name) in PACKAGES)


def real_tensorflow_loaded() -> list[str]:
    """The modules of PACKAGES that are really imported (not placeholders): [] in the engine."""
    return [name for name in loaded() if not is_placeholder(sys.modules[name])]


def uses_tensorflow(module_name: str) -> bool:
    """Whether a module holds anything of TensorFlow's (`tf`, a Keras class...): it imported it."""
    module = sys.modules.get(module_name)
    return module is not None and any(
        is_placeholder(value) or isinstance(value, _PlaceholderType) for value in list(vars(module).values())
    )


def needing_tensorflow(component_classes: Iterable[type]) -> list[str]:
    """The classes, by name, defined in (or inheriting from) a module that imported TensorFlow."""
    if installed() is None:
        return []
    return sorted(
        {
            f"{component.__module__}.{component.__qualname__}"
            for component in component_classes
            if any(uses_tensorflow(klass.__module__) for klass in component.__mro__)
        }
    )


def refuse_models_needing_it(component_classes: Iterable[type]) -> None:
    """Stop the engine's start when the model has a component that runs TensorFlow."""
    needing = needing_tensorflow(component_classes)
    if needing:
        raise TensorFlowIsNotLoaded(
            f"this model needs TensorFlow ({', '.join(needing)}), which the engine started by "
            "`python -m engine` does not load: start it with `python -m rasa run`, or train the "
            "model from config.yml, whose components need none."
        )
