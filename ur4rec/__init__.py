"""UR4Rec: SASRec fused with an LLM-text mixture-of-experts retriever and a per-user memory."""

__version__ = "0.1.0"
