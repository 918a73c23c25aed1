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

# How many points go to each side: 80% (rounded down) to training, whatever is left to validation
ratio = .8
n_total = len(dataset)
n_train = int(ratio * n_total)
n_val = n_total - n_train
train_data, val_data = random_split(dataset, lengths=[n_train, n_val])

# The validation loader keeps its order: nothing is learned from it, so nothing needs shuffling.
# The training loader reshuffles its points at the start of every epoch.
val_loader = DataLoader(val_data, batch_size=16)
train_loader = DataLoader(train_data, batch_size=16, shuffle=True)
