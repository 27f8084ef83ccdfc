package litellmsim

import "time"

// ResetBudgets runs LiteLLM's budget-reset job now: every key, user and team whose
// budget_reset_at has passed gets spend 0 and a new budget_reset_at (compat: Request-time checks).
func (s *Simulator) ResetBudgets() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetBudgetsLocked(s.nowLocked())
}

func (s *Simulator) resetBudgetsLocked(now time.Time) {
	due := func(at *time.Time) bool { return at != nil && !at.After(now) }
	for _, k := range s.store.keys {
		if due(k.BudgetResetAt) {
			k.Spend = 0
			k.BudgetResetAt = nextResetOrNil(nextBudgetReset(k.BudgetDuration, now))
			k.UpdatedAt = dbTime(now)
		}
	}
	for _, u := range s.store.users {
		if due(u.BudgetResetAt) {
			u.Spend = 0
			u.BudgetResetAt = nextResetOrNil(nextBudgetReset(u.BudgetDuration, now))
			u.UpdatedAt = dbTime(now)
		}
	}
	for _, t := range s.store.teams {
		if due(t.BudgetResetAt) {
			t.Spend = 0
			t.BudgetResetAt = nextResetOrNil(s.teamBudgetResetAt(t.BudgetDuration, now))
			t.UpdatedAt = dbTime(now)
		}
	}
}

// nextResetOrNil stores a reset time at database precision; a duration that no longer parses
// stops the resets instead of failing the whole job.
func nextResetOrNil(t time.Time, err error) *time.Time {
	if err != nil {
		return nil
	}
	t = dbTime(t)
	return &t
}

func (s *Simulator) startBudgetTicker(every time.Duration) {
	s.stopTick = make(chan struct{})
	s.tickDone = make(chan struct{})
	go func() {
		defer close(s.tickDone)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				s.ResetBudgets()
			case <-s.stopTick:
				return
			}
		}
	}()
}

func (s *Simulator) stopBudgetTicker() {
	if s.stopTick == nil {
		return
	}
	close(s.stopTick)
	<-s.tickDone
	s.stopTick = nil
}
