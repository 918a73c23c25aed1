"""Data preparation, version 0 (chapter 1): the training set as float32 tensors on the device.

Run it inside a notebook with ``%run -i data_preparation/v0.py`` (``-i`` shares the namespace).

Reads:  ``x_train``, ``y_train`` -- NumPy arrays of shape (N, 1) made by the data-generation step.
Leaves: ``device`` -- ``'cuda'`` when a GPU is visible, otherwise ``'cpu'``;
        ``x_train_tensor``, ``y_train_tensor`` -- float32 tensors of shape (N, 1) on ``device``.
"""
import torch

device = "cuda" if torch.cuda.is_available() else "cpu"

# NumPy gives float64 arrays; PyTorch models work in float32, so cast before moving the data.
# In version 0 the whole training set lives on the device, which is fine for 80 points.
x_train_tensor = torch.as_tensor(x_train).float().to(device)  # noqa: F821 (from the notebook)
y_train_tensor = torch.as_tensor(y_train).float().to(device)  # noqa: F821 (from the notebook)
