"""The vetting index: a PEP 503/691 index in front of the upstream one that serves a file only once the same
checks the kernel runs have allowed it, with verdicts and decisions in a store shared by every replica."""
