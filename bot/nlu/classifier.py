"""The Rasa component that understands a message: intent, FAQ topic, and whether it is unsure.

Registered as an intent classifier in the Rasa pipeline (`config.yml`), it replaces DIET, the
ResponseSelector and the FallbackClassifier with one `bot.nlu.model.UnderstandingModel`. It writes
what those wrote, so the domain, rules, actions and insights read the same keys:

- `intent` / `intent_ranking`: FAQ topics' probabilities summed into the `faq` intent;
- `response_selector.faq`: the topic (`intent_response_key`, `utter_action`) and the topics ranked;
- after a FAQ answer, a follow-up ("and for kids?") is also read against the topic just answered,
  which the Rasa worker passes in the message metadata (`bot.nlu.context`): when that contextual
  reading puts another topic first, or the model is unsure, the bot asks, offering the contextual
  reading's topics (answering from it added as many confident wrong answers as right ones,
  docs/faq.md);
- `nlu_fallback` as the intent when the model is unsure: an intent below `intent_threshold` or less
  than `intent_margin` ahead of the next, or a FAQ topic below `faq_threshold` or less than
  `faq_margin` (`long_faq_margin` for a message of more than 20 words) ahead of the next topic or of any
  other intent. The fallback action then asks "did you mean …?" with the closest topics instead of
  answering with a guess;
- `out_of_scope` instead when the FAQ is the likeliest intent only because no topic stands out: the
  topic the reading ranks first holds less than `no_topic_share` of the FAQ's share ("hmm", "who won
  the game last night", gibberish, another language). Buttons for three barely-likelier topics do not
  help there; what the bot can help with does (not for a follow-up to an answer: that one is asked about).
- that plain intent instead when one alone (`PLAIN_INTENTS`: out of scope, a greeting, help, a question about
  the bot) is likelier than every single topic and the FAQ leads only as their sum.

Thresholds come from the consulted FAQ evaluation set (`docs/faq.md`). Training takes about a minute
and a half (the FAQ examples' meaning vectors).
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.faq import RETRIEVAL_INTENT
from bot.faq.catalog import load_catalog
from bot.nlu.context import PREVIOUS_TOPIC_KEY, in_context
from bot.nlu.model import Reading, Settings, UnderstandingModel, grouped
from bot.nlu.search_turns import LONG, REQUESTED_SLOT_KEY, SEARCHED_KEY, search_intent

FALLBACK_INTENT = "nlu_fallback"
NO_TOPIC_INTENT = "out_of_scope"
RANKING_LENGTH = 10
SETTLED = 0.5
"""A FAQ topic holding at least this share of the whole reading is settled: trials spoken of as its subject do not
make the message a search (`bot.nlu.search_turns.search_intent`)."""
PLAIN_INTENTS = frozenset({NO_TOPIC_INTENT, "greet", "help", "bot_challenge", "goodbye", "thank"})
"""Intents that answer a message the model is unsure of when one of them, alone, is likelier than every FAQ topic
and the FAQ leads only as the sum of its topics ("who won the game last night", "hello there, just testing if this
thing works"). On the consulted FAQ sets A-I this answered 19 of their not-a-FAQ messages with what the bot can help
with (or a greeting) instead of topic buttons, and one FAQ question ("fase 2 vs 3") with it. Medical advice is not
among them: "ok" reads as it, and the safety stage declines real requests for advice before the model."""
CERTAIN = 0.7
"""A FAQ topic holding at least this share is certain: answered whatever cancer, place or age is told around it,
unless trials are asked for somebody. Chosen on the consulted sets' first messages (search sets A-S: one search lost
at 0.7, two at 0.6; FAQ sets A-I: seven answers that were searches)."""
_FILE = "understanding.joblib"


def _top_topic(reading: Reading) -> Optional[str]:
    """The FAQ topic the reading ranks first ("find_a_trial"), without the `faq/` prefix."""
    prefix = RETRIEVAL_INTENT + "/"
    topics = [label for label, _ in reading.ranking if label.startswith(prefix)]
    return topics[0][len(prefix) :] if topics else None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class UnderstandingClassifier(GraphComponent):
    """Intent and FAQ topic from one scikit-learn classifier, with an explicit 'unsure'."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Settings readable in config.yml."""
        return {
            "c": 30.0,
            "sentence_reading": False,
            "meaning_weight": 0.0,
            "intent_threshold": 0.3,
            "intent_margin": 0.0,
            "faq_threshold": 0.05,
            "faq_margin": 0.15,
            "long_faq_margin": 0.15,
            "no_topic_share": 0.0,
        }

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[UnderstandingModel] = None,
        responses: Optional[Dict[str, List[Dict[str, Any]]]] = None,
        topics: Optional[Dict[str, Tuple[str, Tuple[str, ...]]]] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._model = model
        self._responses = responses or {}
        self._topics = topics or {}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UnderstandingClassifier:
        """A new, untrained component."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the classifier on every intent example (FAQ examples labelled by topic) and persist it."""
        texts, labels = [], []
        for message in training_data.intent_examples:
            label = message.get("intent_response_key") or message.get("intent")
            if message.get("text") and label:
                texts.append(str(message.get("text")))
                labels.append(str(label))
        settings = Settings(
            c=float(self._config["c"]),
            sentence_reading=bool(self._config["sentence_reading"]),
            meaning_weight=float(self._config["meaning_weight"]),
        )
        self._model = UnderstandingModel(settings).fit(texts, labels)
        self._responses = dict(training_data.responses)
        self._topics = {t.id: (t.title, tuple(t.follow_ups)) for t in load_catalog()}
        stored = {"model": self._model, "responses": self._responses, "topics": self._topics}
        with self._storage.write_to(self._resource) as directory:
            joblib.dump(stored, Path(directory) / _FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UnderstandingClassifier:
        """The trained component from the model archive."""
        try:
            with model_storage.read_from(resource) as directory:
                stored = joblib.load(Path(directory) / _FILE)
        except ValueError:  # not trained (e.g. a model with no NLU data)
            return cls(config, model_storage, resource)
        stored["model"].warm()
        return cls(config, model_storage, resource, stored["model"], stored["responses"], stored.get("topics"))

    def process(self, messages: List[Message]) -> List[Message]:
        """Set intent, intent ranking and the FAQ selection on each message that has text."""
        if self._model is None:
            return messages
        for message in messages:
            text = message.get("text")
            if not text:
                continue
            reading = self._model.read(str(text))
            # A search turn judges the reading at the one margin for every length (`search_intent` was built on it: a
            # story the model could not read is a search); the answer itself allows long messages the lower one.
            words = len(str(text).split())
            unsure = self.unsure(reading, words)
            doubtful = self.unsure(reading) if words > LONG else unsure
            suggestions = reading
            metadata = message.get("metadata") or {}
            previous = metadata.get(PREVIOUS_TOPIC_KEY)
            shares = grouped(reading)
            top_intent = max(shares.items(), key=lambda item: item[1])[0]
            topic_share = reading.confidence if reading.top.startswith(RETRIEVAL_INTENT + "/") else 0.0
            if previous and (unsure or top_intent == RETRIEVAL_INTENT):
                contextual = in_context(str(text), str(previous), self._topics, self._model.read, reading)
                # A follow-up whose reading changes with the topic just answered is asked about,
                # with the contextual reading's topics as buttons: never answered from a guess.
                if unsure or _top_topic(contextual) != _top_topic(reading):
                    unsure, doubtful, suggestions = True, True, contextual
            turn = search_intent(
                str(text),
                top_intent,
                metadata.get(REQUESTED_SLOT_KEY),
                bool(metadata.get(SEARCHED_KEY)),
                doubtful,
                _top_topic(reading),
                settled=topic_share >= SETTLED,
                certain=topic_share >= CERTAIN,
                faq_share=shares.get(RETRIEVAL_INTENT, 0.0),
            )
            self._annotate(message, reading, suggestions, unsure, turn, read_in_context=bool(previous))
        return messages

    def unsure(self, reading: Reading, words: int = 0) -> bool:
        """Whether the reading is too close to call: ask rather than answer. A message of more than
        `bot.nlu.search_turns.LONG` `words` needs the topic only `long_faq_margin` ahead: a story spreads the
        model's belief over the topics its situation words belong to, and the first topic of a long message was
        right more often than the shorter margin let it answer (docs/faq.md)."""
        intents = sorted(grouped(reading).items(), key=lambda item: -item[1])
        top, confidence = intents[0]
        second = intents[1][1] if len(intents) > 1 else 0.0
        if confidence < self._config["intent_threshold"] or confidence - second < self._config["intent_margin"]:
            return True
        if top != RETRIEVAL_INTENT:
            return False
        prefix = RETRIEVAL_INTENT + "/"
        topics = [p for label, p in reading.ranking if label.startswith(prefix)]
        # The answer must be clearly ahead of the next topic and of every other intent: a trial search told
        # as a story can make the FAQ the likeliest intent only by summing many topics.
        others = [p for label, p in reading.ranking if not label.startswith(prefix)]
        runner_up = max(topics[1] if len(topics) > 1 else 0.0, max(others, default=0.0))
        margin = self._config["long_faq_margin"] if words > LONG else self._config["faq_margin"]
        return topics[0] < self._config["faq_threshold"] or topics[0] - runner_up < margin

    def near_no_topic(self, reading: Reading) -> bool:
        """Whether no FAQ topic stands out at all: the first holds less than `no_topic_share` of the topics' sum."""
        prefix = RETRIEVAL_INTENT + "/"
        topics = [p for label, p in reading.ranking if label.startswith(prefix)]
        return bool(topics) and max(topics) < self._config["no_topic_share"] * sum(topics)

    def _annotate(
        self,
        message: Message,
        reading: Reading,
        suggestions: Reading,
        unsure: bool,
        turn: Optional[str] = None,
        read_in_context: bool = False,
    ) -> None:
        """Write the reading in Rasa's keys. A follow-up (`read_in_context`) that no topic fits on its own is
        still asked about: the topic just answered may be what it means."""
        intents = sorted(grouped(reading).items(), key=lambda item: -item[1])
        name, confidence = intents[0]
        if turn is not None:  # a trial-search turn (bot.nlu.search_turns): the form's answer, or a search
            name, confidence = turn, 1.0
        elif unsure and name == RETRIEVAL_INTENT and not read_in_context and self.near_no_topic(reading):
            name = NO_TOPIC_INTENT
        elif unsure and name == RETRIEVAL_INTENT and not read_in_context and reading.top in PLAIN_INTENTS:
            name = reading.top  # "who won the game last night": out_of_scope alone outweighs each topic
        elif unsure:
            name = FALLBACK_INTENT
        message.set("intent", {"name": name, "confidence": confidence}, add_to_output=True)
        message.set(
            "intent_ranking",
            [{"name": n, "confidence": p} for n, p in intents[:RANKING_LENGTH]],
            add_to_output=True,
        )
        message.set("response_selector", self._selection(suggestions), add_to_output=True)

    def _selection(self, reading: Reading) -> Dict[str, Any]:
        """The `response_selector` output Rasa's `utter_faq` action reads, as the ResponseSelector writes it."""
        prefix = RETRIEVAL_INTENT + "/"
        topics = [(label, p) for label, p in reading.ranking if label.startswith(prefix)]
        total = sum(p for _, p in topics) or 1.0
        ranking = [
            {"id": zlib.crc32(label.encode()), "confidence": p / total, "intent_response_key": label}
            for label, p in topics
        ]
        top_label, top_p = topics[0] if topics else (prefix, 0.0)
        utter_action = f"utter_{top_label}"
        return {
            "all_retrieval_intents": [RETRIEVAL_INTENT],
            RETRIEVAL_INTENT: {
                "response": {
                    "responses": self._responses.get(utter_action, []),
                    "confidence": top_p / total,
                    "intent_response_key": top_label,
                    "utter_action": utter_action,
                },
                "ranking": ranking[:RANKING_LENGTH],
            },
        }
