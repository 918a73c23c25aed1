# Binder: serve TensorBoard through jupyter-server-proxy at <binder-url>/tensorboard/
# (the %tensorboard magic cannot reach a Binder container). Logs come from notebooks/runs.
import os

c = get_config()  # noqa: F821  (provided by Jupyter when it reads this file)
c.ServerProxy.servers = {
    "tensorboard": {
        "command": ["tensorboard", "--logdir", os.path.join(os.getcwd(), "notebooks", "runs"),
                    "--port", "{port}", "--bind_all", "--path_prefix", "{base_url}tensorboard"],
        "absolute_url": True,
        "timeout": 30,
        "launcher_entry": {"title": "TensorBoard"},
    }
}
