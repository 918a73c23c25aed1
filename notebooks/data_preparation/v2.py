"""Data Preparation V2 (chapter 2): random_split of the full dataset, training and validation loaders.

Reads:  x, y (NumPy arrays with ALL the points, e.g. from data_generation/simple_linear_regression.py)
Leaves: x_tensor, y_tensor, dataset, train_data, val_data, train_loader (batches of 16, shuffled),
        val_loader (batches of 16, in order), ratio, n_total, n_train, n_val
"""
import torch
from torch.utils.data import DataLoader, TensorDataset, random_split

# random_split draws from PyTorch's global generator, so we seed it first
_ = torch.manual_seed(13)

# Tensors for the whole dataset, kept on the CPU
x_tensor = torch.as_tensor(x).float()  # noqa: F821 (from the notebook)
y_tensor = torch.as_tensor(y).float()  # noqa: F821 (from the notebook)
dataset = TensorDataset(x_tensor, y_tensor)

# 80% for training, the rest for validation
ratio = .8
n_total = len(dataset)
n_train = int(n_total * ratio)
n_val = n_total - n_train
train_data, val_data = random_split(dataset, [n_train, n_val])

# Shuffle the training set only: no gradients are computed on the validation set
train_loader = DataLoader(dataset=train_data, batch_size=16, shuffle=True)
val_loader = DataLoader(dataset=val_data, batch_size=16)
