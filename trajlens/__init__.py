"""trajlens: from molecular-dynamics trajectories to free-energy basins and PLUMED CVs.

Data flows one way through the subpackages::

    io -> featurize -> reduce -> cluster / fes -> cvs -> (plot, cli)

Units follow PLUMED: nm, ps, kJ/mol and radians.
"""

from trajlens.exceptions import InputError, OutputError, TrajlensError

__version__ = "0.1.0"

__all__ = ["InputError", "OutputError", "TrajlensError", "__version__"]
