"""The dialogs: welcome and API key, About, crash report, confirmations, the quit question."""
