"""The pre-model safety stage: crisis, emergency, medical advice and honesty checks over reviewed word lists."""
