"""The mechanisms of the campaign, one module each, in the engine's default step order."""

from polemos.campaign.components.air_defence import AirDefence
from polemos.campaign.components.bargaining import Bargaining
from polemos.campaign.components.casualties import Casualties
from polemos.campaign.components.deployment import Deployment
from polemos.campaign.components.drones import Drones
from polemos.campaign.components.fires import Fires
from polemos.campaign.components.ground_combat import GroundCombat
from polemos.campaign.components.logistics import Logistics
from polemos.campaign.components.manoeuvre import Manoeuvre
from polemos.campaign.components.movement import Movement
from polemos.campaign.components.termination import Termination


def default_components() -> list:
    """The default step order: manoeuvre → deployment → air defence → drones → fires →
    ground combat → movement → casualties → logistics → bargaining → termination."""
    return [Manoeuvre(), Deployment(), AirDefence(), Drones(), Fires(), GroundCombat(),
            Movement(), Casualties(), Logistics(), Bargaining(), Termination()]


__all__ = ["AirDefence", "Bargaining", "Casualties", "Deployment", "Drones", "Fires",
           "GroundCombat", "Logistics", "Manoeuvre", "Movement", "Termination",
           "default_components"]
