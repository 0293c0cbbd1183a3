package dev.odt.sample.app

import android.app.Application

/** Holds the app's wiring and makes sure the periodic personalisation is scheduled. */
class SampleApp : Application() {
    val graph: AppGraph by lazy { AppGraph(this) }

    override fun onCreate() {
        super.onCreate()
        schedulePersonalisation(this)
    }
}
