"""Pure estimation and simulation code: functions of validated frames and a numpy Generator."""
