"""HTTP for ratings: evaluation bodies, assessment batches, certificates and their verification."""
