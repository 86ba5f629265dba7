"""Supervisors' views (docs/ui.md "Team board"): the team's open work of the bodies a division head (or a
bureau's leadership) supervises, reassigning it, the escalations that reached them, and the cases under
supervised handling (挂牌督办) or declared emergencies."""
