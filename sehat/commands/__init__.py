"""The model command groups of ``sehat`` (``sehat prescriptions``, ``sehat sape``, ``sehat personalisation``).

They sit on top with ``sehat/cli.py``, which registers them: a command may use both the models
(``ml/``) and the release path (``sehat.release``), which ``ml/`` never imports.
"""
