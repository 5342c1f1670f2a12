"""The simulator: a virtual patient wearing a thigh IMU is just another sensor.

    from sensors.sim import SimConfig, simulate
    res = simulate(SimConfig(exercise="seated_leg_raise", reps=12, seed=0))
    res.chunk, res.metadata, res.truth

See docs/simulator.md for the model, the conditions and the dataset mix.
"""

from sensors.sim.config import CONDITIONS, SimConfig
from sensors.sim.dataset import make_dataset
from sensors.sim.engine import SimResult, simulate
from sensors.sim.live import SimulatedImu
from sensors.sim.truth import EXERCISES, RepTruth, SetTruth

__all__ = [
    "CONDITIONS",
    "EXERCISES",
    "RepTruth",
    "SetTruth",
    "SimConfig",
    "SimResult",
    "SimulatedImu",
    "make_dataset",
    "simulate",
]
