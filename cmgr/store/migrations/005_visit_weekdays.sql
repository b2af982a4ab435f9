-- 005: a customer's 访销日 from the roster (the weekday(s) the company system schedules its visit).
-- ISO weekday digits in the order the roster lists them: '2' = Tuesday, '25' = Tuesday and Friday.
ALTER TABLE customers ADD COLUMN visit_weekdays TEXT;
