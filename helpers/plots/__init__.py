"""Figure code, one module per chapter (``chapter0``, ``chapter1``, ... ``bonus``, ``extra``).

Every function takes the data it draws as arguments and returns a Matplotlib ``Figure``.
"""
