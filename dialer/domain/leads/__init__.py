"""The lead import pipeline: files (csv, encodings, xlsx), columns, rows, the store, and the run."""
