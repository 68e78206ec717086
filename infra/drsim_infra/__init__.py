"""drsim's reference two-region DR architecture as CDK constructs, built from a scenario.

Each module holds one part (network, web service, Aurora global database, ...);
:mod:`drsim_infra.stacks` groups the parts into the four stacks that
``infra/app.py`` composes and orders.
"""
