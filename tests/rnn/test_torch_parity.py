"""Forward outputs, final states and gradients equal PyTorch's with the same weights (float64)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from rnn import GRU, LSTM, RNN  # noqa: E402

PAIRS = {"RNN": (RNN, torch.nn.RNN), "LSTM": (LSTM, torch.nn.LSTM), "GRU": (GRU, torch.nn.GRU)}


def twins(name, num_layers, **options):
    ours_cls, torch_cls = PAIRS[name]
    ours = ours_cls(3, 5, 2, num_layers=num_layers, seed=7, **options)
    extra = {"nonlinearity": options["nonlinearity"]} if "nonlinearity" in options else {}
    recurrent = torch_cls(
        3, 5, num_layers=num_layers, batch_first=True, dtype=torch.float64, **extra
    )
    readout = torch.nn.Linear(5, 2, dtype=torch.float64)
    with torch.no_grad():
        for key, parameter in recurrent.named_parameters():
            parameter.copy_(torch.from_numpy(ours.params[key]))
        readout.weight.copy_(torch.from_numpy(ours.params["weight_out"]))
        readout.bias.copy_(torch.from_numpy(ours.params["bias_out"]))
    return ours, recurrent, readout


@pytest.mark.parametrize("name", list(PAIRS))
@pytest.mark.parametrize("num_layers", [1, 2])
def test_forward_state_and_gradients_equal_torch(name, num_layers, rng):
    options = {"nonlinearity": "relu"} if name == "RNN" and num_layers == 2 else {}
    ours, recurrent, readout = twins(name, num_layers, **options)
    X, Y = rng.normal(size=(4, 9, 3)), rng.normal(size=(4, 9, 2))
    shape = (num_layers, 4, 5)
    h0 = rng.normal(size=shape)
    initial = (h0, rng.normal(size=shape)) if name == "LSTM" else h0

    torch_initial = (
        tuple(map(torch.from_numpy, initial)) if name == "LSTM" else torch.from_numpy(initial)
    )
    hidden, final = recurrent(torch.from_numpy(X), torch_initial)
    loss = torch.nn.functional.mse_loss(readout(hidden), torch.from_numpy(Y))
    loss.backward()

    outputs, state = ours.predict(X, h0=initial, return_state=True)
    np.testing.assert_allclose(outputs, readout(hidden).detach().numpy(), atol=1e-12)
    if name == "LSTM":
        np.testing.assert_allclose(state[0], final[0].detach().numpy(), atol=1e-12)
        np.testing.assert_allclose(state[1], final[1].detach().numpy(), atol=1e-12)
    else:
        np.testing.assert_allclose(state, final.detach().numpy(), atol=1e-12)
    our_loss, grads = ours.loss_and_gradients(X, Y, h0=initial)
    assert our_loss == pytest.approx(loss.item(), abs=1e-12)
    for key, parameter in recurrent.named_parameters():
        np.testing.assert_allclose(grads[key], parameter.grad.numpy(), atol=1e-10, err_msg=key)
    np.testing.assert_allclose(grads["weight_out"], readout.weight.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(grads["bias_out"], readout.bias.grad.numpy(), atol=1e-10)


def test_adam_steps_equal_torch(rng):
    ours, recurrent, readout = twins("LSTM", 1)
    X, Y = rng.normal(size=(6, 8, 3)), rng.normal(size=(6, 8, 2))
    optimizer = torch.optim.Adam([*recurrent.parameters(), *readout.parameters()], lr=1e-2)
    for _ in range(3):
        optimizer.zero_grad()
        hidden, _ = recurrent(torch.from_numpy(X))
        torch.nn.functional.mse_loss(readout(hidden), torch.from_numpy(Y)).backward()
        optimizer.step()
    ours.fit(X, Y, epochs=3, lr=1e-2, batch_size=6, shuffle=False, progress=False)
    for key, parameter in recurrent.named_parameters():
        np.testing.assert_allclose(
            ours.params[key], parameter.detach().numpy(), atol=1e-10, err_msg=key
        )
