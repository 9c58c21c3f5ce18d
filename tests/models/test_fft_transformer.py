"""FFTTransformer: parameter count, input checks, frequency positions."""
import pytest
import torch

from ecgkit.models import FFTTransformer
from ecgkit.train import count_parameters


def test_parameter_count():
    assert count_parameters(FFTTransformer(5, n_leads=12)) == 30_461


@pytest.mark.parametrize("model, bad", [
    (FFTTransformer(5, n_leads=12), torch.randn(2, 1, 401)),
    (FFTTransformer(5, n_leads=12), torch.randn(2, 12, 2)),
])
def test_models_reject_wrong_input_shapes(model, bad):
    with pytest.raises(ValueError, match="expected|bins"):
        model(bad)


def test_fft_transformer_knows_which_frequency_a_token_is():
    """Reversing the spectrum changes the output: positions (frequencies) matter."""
    torch.manual_seed(0)
    model = FFTTransformer(5, n_leads=12).eval()
    x = torch.randn(2, 12, 401)
    assert not torch.allclose(model(x), model(x.flip(-1)), atol=1e-4)
    with pytest.raises(ValueError, match="divisible"):
        FFTTransformer(5, d_model=30, n_heads=4)
