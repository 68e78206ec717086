"""The workload: the traffic every write rate, request count and transfer derives from.

One set of figures behind the simulator's lost writes and the bill (issue 17): the
requests a service serves, how they spread over the day, and how its clients hold
connections. Each datastore says which share of those requests write to it
(``write_share``) and how many items one such request writes (``items_per_write``);
its ``write_rate_per_s`` then follows as::

    write_rate_per_s = workload.requests_per_s x write_share x items_per_write

and so do Aurora's write I/Os and redo shipped, DynamoDB's write and replicated write
units, S3's replicated PUTs (an "item" of an ``s3_crr`` datastore is an uploaded
object), and the replication transfer. The ALB's traffic figures in ``usage``
(``requests_per_s``, ``new_connections_per_s``, ``active_connections``) follow from it
too. Rates are monthly means: lost writes are the mean rate over the loss window, and
every ALB LCU dimension grows in proportion to the request rate, so the hourly LCU
charge summed over a daily profile equals the charge at the mean rate; the profile and
the peak-to-mean ratio describe the service (and size capacity) without changing either.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
HOURS_PER_DAY = 24
PROFILE_TOLERANCE = 1e-3
"""How far (relative) a daily profile's average may sit from ``requests_per_s``."""


class Workload(BaseModel):
    """The service's traffic (monthly means).

    requests_per_s : HTTP requests the service serves, mean over the month. [1/s]
    peak_to_mean_ratio : busiest hour's request rate over the mean (at least 1); with
        ``hourly_requests_per_s`` it follows from the profile and may be left out. [-]
    hourly_requests_per_s : optional daily profile, 24 hourly request rates (UTC hours
        0-23) whose average must be ``requests_per_s``. [1/s]
    requests_per_connection : requests a client sends over one keep-alive connection
        (a browser session's page and API calls). [-]
    connection_duration_s : how long a client connection stays open. [s]
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    requests_per_s: NonNegative
    peak_to_mean_ratio: Annotated[float, Field(ge=1, allow_inf_nan=False)] | None = None
    hourly_requests_per_s: tuple[NonNegative, ...] | None = None
    requests_per_connection: Annotated[float, Field(ge=1, allow_inf_nan=False)] = 5.0
    connection_duration_s: NonNegative = 20.0

    @model_validator(mode="after")
    def _profile_averages_to_mean(self):
        profile = self.hourly_requests_per_s
        if profile is None:
            return self
        if len(profile) != HOURS_PER_DAY:
            raise PydanticCustomError(
                "drsim_profile", f"hourly_requests_per_s: {len(profile)} values; allowed: exactly "
                "24 (one request rate per hour of the day)")
        mean = sum(profile) / HOURS_PER_DAY
        if abs(mean - self.requests_per_s) > PROFILE_TOLERANCE * max(self.requests_per_s, 1e-9):
            raise PydanticCustomError(
                "drsim_profile", f"hourly_requests_per_s averages {mean:g} requests/s, but "
                f"requests_per_s is {self.requests_per_s:g}; allowed: 24 hourly rates whose "
                "average is requests_per_s (within 0.1 %)")
        ratio = self.peak_to_mean_ratio
        if ratio is not None and mean > 0 and abs(ratio - max(profile) / mean) > 1e-3 * ratio:
            raise PydanticCustomError(
                "drsim_profile", f"peak_to_mean_ratio {ratio:g} contradicts the profile's "
                f"{max(profile) / mean:g} (busiest hour / average); allowed: leave it out with a "
                "profile, or give the profile's own ratio")
        return self

    @property
    def peak_requests_per_s(self) -> float:
        """The busiest hour's request rate: the profile's maximum, else mean x ratio. [1/s]"""
        if self.hourly_requests_per_s is not None:
            return max(self.hourly_requests_per_s)
        return self.requests_per_s * (self.peak_to_mean_ratio or 1.0)

    @property
    def new_connections_per_s(self) -> float:
        """New client connections to the ALB: requests / requests per connection. [1/s]"""
        return self.requests_per_s / self.requests_per_connection

    @property
    def active_connections(self) -> float:
        """Concurrent client connections (Little's law: arrival rate x duration). [-]"""
        return self.new_connections_per_s * self.connection_duration_s

    def write_rate_per_s(self, write_share: float, items_per_write: float) -> float:
        """A datastore's writes: requests x share that writes to it x items each. [1/s]"""
        return self.requests_per_s * write_share * items_per_write
