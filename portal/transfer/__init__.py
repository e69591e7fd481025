"""Moving between care stages: the transfer criteria per stage pair (data, editable in the admin),
which of them a referral met, and how long each person has been in their current stage."""
