"""Transformer Programs (Friedman, Wettig & Chen, NeurIPS 2023): the model (``transformer_programs``) and its
decompiler into readable Python (``decompile``)."""

from .decompile import compare_program, decompile, load_program, program_agreement, save_program
from .transformer_programs import TemperatureAnnealing, TransformerProgram

__all__ = ["TemperatureAnnealing", "TransformerProgram", "compare_program", "decompile", "load_program",
           "program_agreement", "save_program"]
