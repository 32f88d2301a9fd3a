import numpy as np
import torch
from torch import nn
import lamina

(x_train, y_train), (x_test, y_test) = lamina.datasets.digits.load_data()
x_train = torch.tensor(x_train.reshape(-1, 64) / 16, dtype=torch.float32)
x_test = torch.tensor(x_test.reshape(-1, 64) / 16, dtype=torch.float32)
y_train, y_test = torch.tensor(y_train, dtype=torch.long), torch.tensor(y_test, dtype=torch.long)

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
rng = np.random.default_rng(0)

for epoch in range(10):
    order = rng.permutation(len(x_train))
    for start in range(0, len(x_train), 32):
        batch = order[start:start + 32]
        logits = model(x_train[batch])
        loss = nn.functional.cross_entropy(logits, y_train[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

with torch.no_grad():
    predicted = model(x_test).numpy().argmax(axis=1)
print(f"test accuracy: {(predicted == y_test.numpy()).mean():.3f}")
