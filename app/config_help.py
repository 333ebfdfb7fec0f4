# ruff: noqa: E501  (help texts are kept verbatim so they match the library strings)
"""Translatable copies of the config field help texts, shown as tooltips on the Config screen.

The library keeps its help texts in English. Listing them here lets `pyside6-lupdate` extract
them. `help_text` falls back to the library's English text for any field not listed.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

CONTEXT = "ConfigHelp"

HELP_TEXTS = (
    QT_TRANSLATE_NOOP("ConfigHelp", "Data set format"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Folder (or file for csv/sasrec-txt) holding the data"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Folder with item_descriptions.json and user_preferences.json; missing texts use templates"),
    QT_TRANSLATE_NOOP("ConfigHelp", "What to do with user texts that name a held-out item"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Most recent items kept per input sequence"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Negatives per user in the sampled evaluation protocol"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Users of a synthetic data set"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Items of a synthetic data set"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Mean interactions per user of a synthetic data set"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Embedding and hidden size of SASRec"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Self-attention blocks"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Attention heads per block"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Dropout rate"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Multiply input item embeddings by sqrt(hidden_dim), as in the SASRec paper"),
    QT_TRANSLATE_NOOP("ConfigHelp", "sentence-transformers model: all-MiniLM-L6-v2 (bundled) or a local model folder"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Folder for cached text embeddings"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Texts encoded per batch"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Size of the retriever's expert representations"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Learnable proxy tokens; 0 turns the router off and averages the experts"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Attention heads of the proxy attention"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Dropout in the retriever"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Earlier memory states kept per user; 0 disables the memory"),
    QT_TRANSLATE_NOOP("ConfigHelp", "When a user's memory updates"),
    QT_TRANSLATE_NOOP("ConfigHelp", "INTERACTION_COUNT: interactions between updates"),
    QT_TRANSLATE_NOOP("ConfigHelp", "DRIFT_THRESHOLD: cosine distance that triggers an update"),
    QT_TRANSLATE_NOOP("ConfigHelp", "TIME_BASED: global steps between updates"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Weight of the old memory when blending in the GRU update"),
    QT_TRANSLATE_NOOP("ConfigHelp", "How SASRec and retriever scores are fused"),
    QT_TRANSLATE_NOOP("ConfigHelp", "weighted: SASRec score weight; others: initial weight"),
    QT_TRANSLATE_NOOP("ConfigHelp", "weighted: retriever score weight; others: initial weight"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Which model to train"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Stages to run, in order"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Maximum epochs per stage"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Epochs without a better validation NDCG@10 before stopping"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Users per batch"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Sampled negatives per batch for the retriever loss; 0 uses all items"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Retriever and fused losses use each sequence's last N positions; 0 uses all"),
    QT_TRANSLATE_NOOP("ConfigHelp", "pretrain_sasrec: cut long training sequences into max_seq_len windows, so every training item is a target"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Validation protocol for early stopping: full (earlier items masked) or full_unmasked"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Learning rate of SASRec parameters"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Learning rate of retriever, memory and fusion"),
    QT_TRANSLATE_NOOP("ConfigHelp", "AdamW weight decay"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Learning-rate factor of joint_finetune and end_to_end"),
    QT_TRANSLATE_NOOP("ConfigHelp", "joint_finetune: switch modules when the active one stops improving"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Relative loss improvement below which the active module switches"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Steps a module trains before a switch"),
    QT_TRANSLATE_NOOP("ConfigHelp", "joint_finetune without adaptive alternating: steps per module"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Epochs between validations"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Random seed"),
    QT_TRANSLATE_NOOP("ConfigHelp", "torch CPU threads; 0 uses every core"),
    QT_TRANSLATE_NOOP("ConfigHelp", "torch device (cpu, cuda, cuda:0)"),
    QT_TRANSLATE_NOOP("ConfigHelp", "Validate on at most this many users; 0 means all"),
)


def help_text(text: str) -> str:
    """Return the translation of a library help text, or the text itself."""
    return QCoreApplication.translate(CONTEXT, text)
