"""The live queue: every write that changes the queue is numbered and gives the requests it touches a
tentative place at once (`placing`); a debounced warm re-plan from the current plan follows in the
background (`replanning`) and becomes the current plan unless a lead's newer plan supersedes it."""
