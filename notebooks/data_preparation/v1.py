"""Data Preparation V1 (chapter 2): a Dataset and a DataLoader that serves shuffled mini-batches.

Reads:  x_train, y_train (NumPy arrays, e.g. from data_generation/simple_linear_regression.py)
Leaves: x_train_tensor, y_train_tensor (CPU tensors), train_data (TensorDataset),
        train_loader (DataLoader, mini-batches of 16, shuffled every epoch)
"""
import torch
from torch.utils.data import DataLoader, TensorDataset

# The full dataset stays on the CPU: only mini-batches travel to the device, inside the loop
x_train_tensor = torch.as_tensor(x_train).float()  # noqa: F821 (from the notebook)
y_train_tensor = torch.as_tensor(y_train).float()  # noqa: F821 (from the notebook)

# A dataset of (feature, label) pairs...
train_data = TensorDataset(x_train_tensor, y_train_tensor)

# ...and a loader that shuffles it and cuts it into mini-batches of 16 points
train_loader = DataLoader(dataset=train_data, batch_size=16, shuffle=True)
