"""What the code does, not what it is called: abstract values of expressions (values.py, interpreter.py) and the
parsed view of a file that the behaviour rules read (source.py). Pure functions of a file's bytes."""
