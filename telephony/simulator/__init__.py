"""Asterisk 22 simulator: an AMI server that plays municipal call-centre traffic.

Main entry points: :class:`Simulator` (asyncio), :class:`SimulatorThread` (sync), :func:`run_simulator`
(CLI), :func:`plan_workload` / :func:`iter_frames` (workloads and benchmarks), and the scenario plans.
"""

from telephony.simulator.call import PlayedCall
from telephony.simulator.model import Agent, QueueDef, SimConfig
from telephony.simulator.runner import SimulatorThread, run_simulator
from telephony.simulator.scenarios import InboundPlan, OutboundPlan, Plan, Transfer
from telephony.simulator.server import Simulator, default_outcome_policy
from telephony.simulator.workload import iter_frames, plan_workload, run_offline

__all__ = [
    "Agent",
    "InboundPlan",
    "OutboundPlan",
    "Plan",
    "PlayedCall",
    "QueueDef",
    "SimConfig",
    "Simulator",
    "SimulatorThread",
    "Transfer",
    "default_outcome_policy",
    "iter_frames",
    "plan_workload",
    "run_offline",
    "run_simulator",
]
