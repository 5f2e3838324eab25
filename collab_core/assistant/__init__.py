"""The AI assistant: the LLM client, context building, citations, answers, summaries and action items."""
