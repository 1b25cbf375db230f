"""The techniques model: encoder features, the trained heads, the predictor interface and its fake."""
