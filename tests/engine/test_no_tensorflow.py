"""engine/no_tensorflow.py: the engine's start answers TensorFlow's imports with inert placeholders."""

from __future__ import annotations

import unittest

from engine import no_tensorflow
from engine.graph_runner import refusing_models_needing_tensorflow
from tests.engine.test_patches import engine_python


class PlaceholderTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tf = no_tensorflow._PlaceholderModule("tensorflow")

    def test_a_decorator_hands_back_what_it_decorates(self) -> None:
        def step(x: int) -> int:
            return x + 1

        self.assertIs(self.tf.function(step), step)
        self.assertIs(self.tf.function(jit_compile=True)(step), step)
        self.assertIs(self.tf.keras.utils.register_keras_serializable(package="rasa")(int), int)

    def test_a_class_can_subclass_one_and_nothing_is_an_instance_of_one(self) -> None:
        class Layer(self.tf.keras.layers.Layer):  # type: ignore[name-defined,misc]
            def twice(self, x: int) -> int:
                return 2 * x

        self.assertEqual(Layer.twice(None, 2), 4)  # type: ignore[arg-type]
        self.assertFalse(isinstance(3, self.tf.Tensor))
        self.assertFalse(self.tf.config.list_physical_devices("GPU"))
        self.assertEqual(len(self.tf.config.get_visible_devices("GPU")), 0)

    def test_placeholders_are_marked_as_such(self) -> None:
        self.assertTrue(no_tensorflow.is_placeholder(self.tf))
        self.assertTrue(no_tensorflow.is_placeholder(self.tf.keras.callbacks.Callback))
        self.assertFalse(no_tensorflow.is_placeholder(unittest))

    def test_without_the_placeholders_installed_no_model_is_refused(self) -> None:
        from rasa.core.policies.ted_policy import TEDPolicy

        self.assertIsNone(no_tensorflow.installed())
        self.assertEqual(no_tensorflow.needing_tensorflow([TEDPolicy]), [])


class EngineStartTest(unittest.TestCase):
    """In a new engine Python, as `python -m engine` starts (engine/__main__.py)."""

    def test_rasa_and_the_models_components_load_without_tensorflow(self) -> None:
        result = engine_python(
            "import sys\n"
            "from engine import no_tensorflow\n"
            "no_tensorflow.install()\n"
            "import rasa.__main__, rasa.core.run, rasa.engine.recipes.default_components\n"
            "from rasa.core.policies.ted_policy import TEDPolicy\n"
            "from rasa.core.policies.memoization import MemoizationPolicy\n"
            "from rasa.core.policies.rule_policy import RulePolicy\n"
            "from rasa.nlu.classifiers.diet_classifier import DIETClassifier\n"
            "from rasa.nlu.selectors.response_selector import ResponseSelector\n"
            "from rasa.nlu.utils.spacy_utils import SpacyNLP\n"
            "from rasa.nlu.featurizers.sparse_featurizer import count_vectors_featurizer as cvf\n"
            "from nlu.components.linear_classifier import LinearIntentClassifier\n"
            "from nlu.components.entities import GetOnlineEntityExtractor\n"
            "import spacy\n"
            "print(no_tensorflow.real_tensorflow_loaded())\n"
            "print('tensorflow' in sys.modules and no_tensorflow.is_placeholder(sys.modules['tensorflow']))\n"
            "print(no_tensorflow.needing_tensorflow([TEDPolicy, DIETClassifier, ResponseSelector,"
            " MemoizationPolicy, RulePolicy, SpacyNLP, cvf.CountVectorsFeaturizer, LinearIntentClassifier,"
            " GetOnlineEntityExtractor]))\n"
            "maps = open('/proc/self/maps').read()\n"
            "print('libtensorflow' in maps or '_pywrap_tensorflow' in maps)\n"
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        real, placeholder, needing, mapped = result.stdout.strip().splitlines()[-4:]
        self.assertEqual(real, "[]")
        self.assertEqual(placeholder, "True")
        self.assertEqual(
            needing,
            "['rasa.core.policies.ted_policy.TEDPolicy',"
            " 'rasa.nlu.classifiers.diet_classifier.DIETClassifier',"
            " 'rasa.nlu.selectors.response_selector.ResponseSelector']",
        )
        self.assertEqual(mapped, "False")

    def test_a_model_with_a_tensorflow_component_is_refused_as_it_loads(self) -> None:
        result = engine_python(
            "from engine import no_tensorflow\n"
            "no_tensorflow.install()\n"
            "from engine import patches\n"
            "patches.apply()\n"
            "from rasa.engine.graph import GraphSchema, SchemaNode\n"
            "from rasa.engine.runner.dask import DaskGraphRunner\n"
            "from rasa.nlu.classifiers.diet_classifier import DIETClassifier\n"
            "schema = GraphSchema({'diet': SchemaNode({}, DIETClassifier, 'load', 'process', {})})\n"
            "try:\n"
            "    DaskGraphRunner(schema, None, None)\n"
            "except no_tensorflow.TensorFlowIsNotLoaded as refused:\n"
            "    print('refused:', refused)\n"
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("refused: this model needs TensorFlow", result.stdout)
        self.assertIn("DIETClassifier", result.stdout)

    def test_placeholders_come_too_late_once_tensorflow_is_imported(self) -> None:
        result = engine_python(
            "import tensorflow\n"
            "from engine import no_tensorflow\n"
            "try:\n"
            "    no_tensorflow.install()\n"
            "except RuntimeError as late:\n"
            "    print('late:', late)\n"
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("late: TensorFlow is already imported", result.stdout)


class WrapperTest(unittest.TestCase):
    def test_the_wrapped_runner_still_builds_the_graph_it_is_given(self) -> None:
        built: list[object] = []

        def original(self: object, graph_schema: object, *args: object) -> None:
            built.append(graph_schema)

        from rasa.engine.graph import GraphSchema

        schema = GraphSchema({})
        refusing_models_needing_tensorflow(original)(object(), schema, None, None)
        self.assertEqual(built, [schema])


if __name__ == "__main__":
    unittest.main()
