"""The norm library: model, loading and compilation, graph, profiles, lint."""
